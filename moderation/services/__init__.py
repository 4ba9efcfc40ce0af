"""Moderators' writes: decisions.py (approve, reject, feature, edit, bulk), imports.py."""
