# The production image: gunicorn for the web; the same image runs the worker and beat
# (docker-compose.yml). What it installs is what `make test`'s production smoke runs:
# the Debian packages of deploy/debian-packages.txt marked "runtime", and requirements.txt
# alone, every package pinned and hashed.
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
COPY deploy/debian-packages.txt deploy/install-debian-packages /tmp/deploy/
RUN /tmp/deploy/install-debian-packages runtime && rm -rf /var/lib/apt/lists/* /tmp/deploy
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir --require-hashes -r requirements.txt
COPY . .
RUN DEBUG=true VAR_DIR=/tmp/build python manage.py compilemessages --ignore '.venv/*' -v0 \
 && DEBUG=true VAR_DIR=/tmp/build STATIC_ROOT=/app/staticfiles python manage.py collectstatic --noinput -v0 \
 && rm -rf /tmp/build \
 && useradd --system --home /app servicedesk && mkdir -p /var/lib/servicedesk && chown servicedesk /var/lib/servicedesk
USER servicedesk
ENV STATIC_ROOT=/app/staticfiles VAR_DIR=/var/lib/servicedesk
EXPOSE 8000
CMD ["gunicorn", "servicedesk.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
