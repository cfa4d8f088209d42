"""User interfaces: the Qt window (ui.app and friends) and the command line (ui.cli).

Importing this package loads no Qt, so the command line starts fast.
"""
