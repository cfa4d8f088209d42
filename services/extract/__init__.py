"""Assisted extraction: proposals of quotes, speakers, people, places and dates from a source."""
