"""Training: how the weights are found (fit's policy and History, the optimizers, L-BFGS, Levenberg–Marquardt,
the l2 chosen by validation, and the scikit-learn estimators around fit)."""
