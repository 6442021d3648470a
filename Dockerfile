# The extension on the official runner (local mode): `docker compose up overage_manager_dev`.
# The runner image brings Python, Node.js and poetry; this image adds the extension's dependencies.
FROM cloudblueconnect/connect-extension-runner:43.1
COPY pyproject.toml /install_temp/
COPY constraints/ /install_temp/constraints/
WORKDIR /install_temp
RUN pip install --no-cache-dir -c constraints/runner.txt "psycopg[binary]>=3.1" \
    && poetry install --no-root --no-interaction --extras postgres
WORKDIR /extension
