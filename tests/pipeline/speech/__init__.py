"""Tests of the text-for-speech stage."""
