/* JUnit XML: see report.c */
