"""The examples of SMAN §4.2.1.3 « Pour une plus grande agilité, les actions seront évaluées régulièrement »,
offered as starting points when an owner adds an indicator."""

TEMPLATES = [
    # (name, kind, unit, definition)
    ("Écart au planning", "process", "jours",
     "Écart entre l'échéancier planifié et le calendrier réel de production des livrables du projet."),
    ("Heures travaillées / heures planifiées", "process", "%",
     "Rapport entre le nombre d'heures effectivement travaillées et le nombre d'heures planifiées."),
    ("Satisfaction des partenaires", "process", "%",
     "Part des partenaires satisfaits de la collaboration (enquête auprès des partenaires)."),
    ("Disponibilité des services", "result", "%",
     "Part des nouveaux services et actions prévus qui sont effectivement disponibles."),
    ("Population touchée", "result", "%",
     "Pourcentage de la population visée rejointe par l'action."),
    ("Taux d'utilisation", "result", "%",
     "Taux d'utilisation par la population des services et actions offerts."),
    ("Délai d'accès au service", "result", "jours",
     "Délai moyen d'accès de la population au service."),
    ("Qualité du service", "result", "note sur 10",
     "Qualité des services offerts, mesurée par une grille d'évaluation."),
    ("Satisfaction des usagers", "result", "%",
     "Taux de satisfaction de la population ciblée à l'égard des nouvelles actions ou services."),
]  # fmt: skip
