"""Pure export library: reviewed DMR data in, upload files (ICIS XML, NetDMR CSV, XLSX) out."""
