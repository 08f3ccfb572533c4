import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import ts from 'typescript';

/**
 * Servers run as plain JavaScript under `node` (a loader such as tsx would add a hooks thread and its
 * memory to every server's RSS). Type-stripping only: `npm run typecheck` checks the same files.
 */
export function transpileFile(from: string, to: string): void {
  const { outputText } = ts.transpileModule(readFileSync(from, 'utf8'), {
    fileName: from,
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true },
  });
  mkdirSync(dirname(to), { recursive: true });
  writeFileSync(to, outputText);
}

function transpileTree(fromDir: string, toDir: string): void {
  for (const entry of readdirSync(fromDir, { recursive: true, encoding: 'utf8' })) {
    const from = join(fromDir, entry);
    if (entry.endsWith('.ts') && !entry.endsWith('.d.ts') && statSync(from).isFile()) {
      transpileFile(from, join(toDir, entry.replace(/\.ts$/, '.js')));
    }
  }
}

export interface Build {
  /** The transpiled server entry. */
  readonly server: string;
  /** `index.js` of each library variant: `current` is the working tree's src/. */
  readonly libraries: ReadonlyMap<string, string>;
}

/**
 * Transpiles bench/server.ts (with the allocation counter it imports) and each library variant into `outDir` (inside the repository, so the
 * packages resolve from its node_modules). A variant is a folder holding a copy of src/, or a git
 * revision whose src/ is extracted with `git archive`.
 */
export function build(repo: string, outDir: string, variants: ReadonlyMap<string, string>): Build {
  rmSync(outDir, { recursive: true, force: true });
  const server = join(outDir, 'server.js');
  transpileFile(join(repo, 'bench', 'server.ts'), server);
  transpileFile(join(repo, 'bench', 'allocation.ts'), join(outDir, 'allocation.js'));
  const libraries = new Map<string, string>();
  transpileTree(join(repo, 'src'), join(outDir, 'lib', 'current'));
  libraries.set('current', join(outDir, 'lib', 'current', 'index.js'));
  for (const [name, where] of variants) {
    if (!/^[\w.-]+$/.test(name)) throw new Error(`variant name must be a word: ${name}`);
    let srcDir = where;
    if (!existsSync(where) || !statSync(where).isDirectory()) {
      const extracted = join(outDir, 'git', name);
      mkdirSync(extracted, { recursive: true });
      const tar = execFileSync('git', ['archive', '--format=tar', where, 'src'], { cwd: repo, maxBuffer: 64 * 1024 * 1024 });
      execFileSync('tar', ['-x', '-C', extracted], { input: tar });
      srcDir = join(extracted, 'src');
    }
    const target = join(outDir, 'lib', name);
    transpileTree(srcDir, target);
    libraries.set(name, join(target, 'index.js'));
  }
  return { server, libraries };
}

