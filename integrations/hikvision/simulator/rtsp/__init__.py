"""The simulator's RTSP side: cameras' port 554 and HikCentral's ``/EUrl`` streaming port.

``RtspServer`` speaks RTSP/1.0 with RTP/H.264 over interleaved TCP from any ``VideoFeed``;
``sources`` maps Hikvision URIs to feeds; ``StreamTokens`` holds the gateway's URL grants.
"""
