"""One validator per capsule type; judges/gate.py picks the right one. Each returns a ValidationReport."""
