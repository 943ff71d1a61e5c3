"""The demo world: a real stretch of the tiger and leopard border, with one user per role."""
