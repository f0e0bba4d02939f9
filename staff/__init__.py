"""The staff workspace blueprint: clerk, account manager, manager and admin."""
