"""Development tools over the layer's code (flow pictures, ...): run by make targets, never deployed."""
