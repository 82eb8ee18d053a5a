"""AIS adapters: NMEA decoding with pyais, files and network feeds, CSV exports,
the live-picture file and the Parquet archive."""
