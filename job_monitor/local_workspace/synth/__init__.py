"""The synthetic Databricks workspace behind the local stand-in: schemas, vocabulary, generator."""
