"""passnumerique pages, one module per audience: public, place, distributor, funder."""
