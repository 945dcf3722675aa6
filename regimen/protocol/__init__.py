"""Protocol files -> Protocol values: ``tables`` (key names and types), ``quantities`` (doses,
days, percentages), ``checks`` (cross-checks over a whole file). ``regimen.loader`` reads the
files and finds them on the search path."""
