"""GeoJSON for the map component (templates/includes/_map.html), shared by every app."""

import json


def feature_collection(items) -> dict:
    """``items``: (geometry, name, url) triples; features without geometry are left out."""
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "geometry": json.loads(geometry.geojson), "properties": {"name": name, "url": url}}
            for geometry, name, url in items
            if geometry is not None
        ],
    }
