"""actions pages, one module per audience: public, owners, copil."""
