'use strict';
// osls plugin: compile the deploy zip's Python to the runtime's bytecode, inside the zip.
//
// Lambda's /var/task is read-only, so a package without .pyc files compiles Birdhouse and every
// dependency from source on each cold start. This runs infra/compile_package.py with the
// runtime's own minor version (python3.12 for `runtime: python3.12`, found by
// infra/find_python.sh) right after serverless-python-requirements has put the dependencies in
// the zip, and before osls hashes the zip into the Lambda version's CodeSha256: listed after
// that plugin in serverless.yml, so its hooks on the same event run first.
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

class PrecompilePlugin {
  constructor(serverless, _options, { log } = {}) {
    this.serverless = serverless;
    this.log = log;
    const compile = () => this.compile();
    this.hooks = {
      'after:package:createDeploymentArtifacts': compile,
      'after:deploy:function:packageFunction': compile,
    };
  }

  compile() {
    const { service, serviceDir } = this.serverless;
    const runtime = service.provider.runtime;
    const match = /^python(3\.\d+)$/.exec(runtime || '');
    if (!match) {
      throw new this.serverless.classes.Error(
        `precompile-plugin: runtime ${runtime} is not a Python runtime it can compile for`
      );
    }
    const artifacts = new Set(
      [service.package.artifact]
        .concat(Object.values(service.functions || {}).map((f) => f.package && f.package.artifact))
        .filter((artifact) => artifact && fs.existsSync(path.resolve(serviceDir, artifact)))
        .map((artifact) => path.resolve(serviceDir, artifact))
    );
    if (artifacts.size === 0) {
      throw new this.serverless.classes.Error('precompile-plugin: no package artifact to compile');
    }
    const findPython = path.join(serviceDir, 'infra', 'find_python.sh');
    const python = this.run('sh', [findPython, match[1]]).trim();
    const report = this.run(python, [
      path.join(serviceDir, 'infra', 'compile_package.py'),
      '--runtime',
      runtime,
      ...artifacts,
    ]);
    if (this.log) this.log.notice(report.trim());
  }

  run(command, args) {
    const result = spawnSync(command, args, { encoding: 'utf8' });
    if (result.status !== 0) {
      throw new this.serverless.classes.Error(
        `precompile-plugin: ${command} ${args.join(' ')} failed:\n${result.stderr || result.error}`
      );
    }
    return result.stdout;
  }
}

module.exports = PrecompilePlugin;
