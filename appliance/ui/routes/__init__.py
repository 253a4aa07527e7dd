"""The touchscreen's handlers, one module per group of screens; each ``add_routes``."""
