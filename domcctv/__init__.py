"""DOM CCTV: ANPR evidence platform."""
