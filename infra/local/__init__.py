"""The embedded local stack: template.yaml and the ASL file run on moto, on loopback."""
