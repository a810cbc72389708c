"""One step-up policy for all money out: transfers, bill payments and paying money requests."""
