"""Example Django project: chat rooms over chanx with DRF authentication and room permissions."""
