"""Briefs: one neutral document built from a case, redacted once, written as .docx and .pdf.

``build.build_brief`` makes the neutral :class:`~services.brief.model.Document`;
``redact.redact`` applies source protection to it; ``render_docx`` and ``render_pdf`` write it;
``data_export`` writes CSV/JSON with the same rules; ``precheck`` lists what will leave the
machine. ``service.ExportService`` ties them together for the window and the command line.
"""
