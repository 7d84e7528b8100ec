/* SARIF 2.1.0: see report.c */
