"""Guidance from the labels and the records: screening windows, surgery washouts, toxicity."""
