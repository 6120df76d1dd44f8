"""Scenarios shipped with simcoop; this folder is installed as ``simcoop.bundled_scenarios``."""
