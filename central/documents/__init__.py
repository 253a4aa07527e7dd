"""Papers for the petitioner (回执, 告知书, 答复意见书) and the dossier as a PDF."""
