"""Configuration templates shipped with Clientela, one YAML file per market (see
``clientela/platform/services/configuration.py`` for the format)."""
