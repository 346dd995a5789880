"""alignzoo's Hydra configs, importable as ``alignzoo.conf`` so an installed wheel finds them."""
