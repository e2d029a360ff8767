"""One module per setup step; page ids are the step numbers (see app.ui.steps)."""
