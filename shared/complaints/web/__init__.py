"""HTTP: the API helpers shared by the handlers, the operators' console, customers' pages, the workflow graph."""
