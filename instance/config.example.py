# Copy to instance/config.py and adjust. Environment variables override these values.
# SQLALCHEMY_DATABASE_URI = "postgresql+psycopg://outfall@127.0.0.1:5432/outfall"
# OUTFALL_SMTP_HOST = "smtp.example.com"
# OUTFALL_SMTP_PORT = 587
# OUTFALL_SMTP_STARTTLS = True
# OUTFALL_MAIL_FROM = "outfall@example.com"
# OUTFALL_BASE_URL = "https://outfall.example.com"
