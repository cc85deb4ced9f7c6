"""Everything that lays out or writes the workbook: one module per sheet that owns its rows,
columns and formulas, the builder that asks each of them, and ``recalc`` that patches parts."""
