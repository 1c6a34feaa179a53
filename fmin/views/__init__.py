"""FMIN pages, one module per audience: public, space (applicants), staff, reviewer."""
