FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .
# collectstatic needs settings that pass the production checks; the real values come at run
# time. The key is random and thrown away: no key is ever written in this repository.
RUN DEBUG=0 SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(50))')" ALLOWED_HOSTS=build \
    python manage.py collectstatic --noinput

RUN useradd --create-home freefable
# The list's download files (EXPORTS_DIR in compose): a new volume takes this owner.
RUN mkdir -p /srv/exports && chown freefable /srv/exports
USER freefable
EXPOSE 8000
CMD ["gunicorn", "freefable.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
