"""The window's panes: tables over lazily fetched models; the events pane has a timeline."""
