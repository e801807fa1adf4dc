"""Reference data: parties, contracts and the code lists they are checked against."""
