"""Pure conversion from a PDF to audio: no HTTP, database or queue code lives here."""
