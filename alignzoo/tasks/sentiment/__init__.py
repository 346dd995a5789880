"""The built-in controlled-sentiment task: grammar, tiny base model, raters, gold reward."""
