# The extension on the official runner (local mode): `docker compose up overage_manager_dev`.
# The runner image brings Python 3.12, Node.js 20, the runner and Poetry (virtualenvs.create = false);
# at start its entrypoint runs `poetry install` in /extension, links /install_temp/node_modules there
# when the checkout has none, and runs `npm run build --if-present`. This image installs both ahead:
# the Python packages from poetry.lock into the runner's environment, the npm packages where the
# entrypoint looks for them.
FROM cloudblueconnect/connect-extension-runner:43.1
COPY pyproject.toml poetry.lock README.md /install_temp/
COPY package.json package-lock.json /install_temp/
WORKDIR /install_temp
RUN poetry install --no-root --no-interaction \
    && npm ci --no-audit --no-fund
WORKDIR /extension
