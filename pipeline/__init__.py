"""Coverage pipeline: social and health insurance coverage marts for Vietnam."""
