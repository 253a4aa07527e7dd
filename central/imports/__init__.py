"""历史导入: a site's earlier petition records (people, matters, the steps taken,
replies and outcomes) brought in from a spreadsheet, so every petitioner has a dossier
from day one. ``columns`` names what a file may say, ``reader`` reads CSV/XLSX,
``records`` checks one row (pure), ``service`` plans (dry run) and writes."""
