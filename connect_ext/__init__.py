"""Overage Manager: a CloudBlue Connect extension for Microsoft NCE overage (OVG SKUs)."""
