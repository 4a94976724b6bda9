"""The listening page served at `/`: plain HTML, CSS and JavaScript modules that use the
public API and nothing else."""
