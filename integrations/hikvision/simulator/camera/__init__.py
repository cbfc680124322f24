"""One simulated ANPR camera: device state, ISAPI routes, payloads, auth, PTZ, recordings."""
