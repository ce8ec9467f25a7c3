"""Analysis over populations: comparing rule sets, what-ifs and reforms."""
