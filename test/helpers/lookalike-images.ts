// Offline look-alikes of the public images the compose projects name (postgres:16, nginx,
// redis, mysql, wordpress...): no registry is reachable, so each is made on the node from the
// lab's busybox, with the entrypoint/command shape of the real one and a tiny server on its port
// that answers with its name. Enough to show that a compose file deploys and works end to end.
import type { CommandRunner } from '../../src/exec/runner.js';
import { runChecked } from '../../src/exec/check.js';
import { shellQuoteArg as q } from '../../src/exec/quote.js';

interface Lookalike {
  readonly tags: readonly string[];
  readonly entrypoint?: readonly string[];
  readonly cmd?: readonly string[];
}

/** files shared by every look-alike (one layer): small servers and the real images' helpers */
const FILES: Record<string, string> = {
  // a TCP server answering "NAME-ok" to every connection; records its argv where asked
  '/usr/local/bin/answer-on': `#!/bin/sh
# answer-on PORT NAME [ARGS-FILE ARGS...]
port=$1; name=$2; shift 2
if [ -n "$1" ]; then f=$1; shift; mkdir -p "$(dirname "$f")"; : > "$f"; for a in "$@"; do echo "$a" >> "$f"; done; fi
mkdir -p /tmp && printf '#!/bin/sh\\necho %s-ok\\n' "$name" > /tmp/answer && chmod +x /tmp/answer
exec nc -ll -p "$port" -e /tmp/answer
`,
  // asks a server answer-on started: exit 0 when it says NAME-ok
  '/usr/local/bin/ask': `#!/bin/sh
# ask HOST PORT NAME
nc -w 3 "$1" "$2" </dev/null 2>/dev/null | grep -q "^$3-ok"
`,
  '/usr/local/bin/docker-entrypoint.sh': `#!/bin/sh
# like the real images: a first argument starting with "-" is an option of the server
case "$1" in -*) set -- "$SERVER" "$@" ;; esac
exec "$@"
`,
  '/usr/local/bin/postgres': `#!/bin/sh
mkdir -p /var/lib/postgresql/data && echo 16 > /var/lib/postgresql/data/PG_VERSION
exec answer-on 5432 postgres /var/lib/postgresql/data/args "$@"
`,
  '/usr/local/bin/pg_isready': '#!/bin/sh\nexec ask 127.0.0.1 5432 postgres\n',
  '/usr/local/bin/redis-server': '#!/bin/sh\nexec answer-on 6379 redis /data/args "$@"\n',
  '/usr/local/bin/redis-cli': '#!/bin/sh\nexec ask 127.0.0.1 6379 redis\n',
  '/usr/local/bin/mysqld': `#!/bin/sh
mkdir -p /var/lib/mysql && exec answer-on 3306 mysql /var/lib/mysql/args "$@"
`,
  '/usr/local/bin/mysqladmin': '#!/bin/sh\nexec ask 127.0.0.1 3306 mysql\n',
  '/usr/local/bin/nginx': `#!/bin/sh
mkdir -p /usr/share/nginx/html && echo nginx-lookalike > /usr/share/nginx/html/index.html
exec httpd -f -p 80 -h /usr/share/nginx/html
`,
  // a web app whose page says whether its database answers at WORDPRESS_DB_HOST (name:port)
  '/usr/local/bin/wordpress': `#!/bin/sh
mkdir -p /var/www/html/cgi-bin
cat > /var/www/html/cgi-bin/db <<'EOF'
#!/bin/sh
printf 'Content-Type: text/plain\\r\\n\\r\\n'
h=\${WORDPRESS_DB_HOST%:*}; p=\${WORDPRESS_DB_HOST#*:}
if ask "$h" "$p" mysql; then echo "db $WORDPRESS_DB_HOST answers"; else echo "db $WORDPRESS_DB_HOST does not answer"; fi
EOF
chmod +x /var/www/html/cgi-bin/db
echo wordpress-lookalike > /var/www/html/index.html
exec httpd -f -p 80 -h /var/www/html
`,
  // bundle exec rails server -b 0.0.0.0: records its argv, serves port 3000
  '/usr/local/bin/bundle': `#!/bin/sh
mkdir -p /www && : > /www/args && for a in "$@"; do echo "$a" >> /www/args; done
echo rails-lookalike > /www/index.html
exec httpd -f -p 3000 -h /www
`,
  // the shop's api: /health answers once up
  '/usr/local/bin/shop-api': `#!/bin/sh
mkdir -p /www && echo ok > /www/health && echo shop-api > /www/index.html
exec httpd -f -p 8080 -h /www
`,
  '/usr/local/bin/worker': `#!/bin/sh
mkdir -p /work && : > /work/args && for a in "$@"; do echo "$a" >> /work/args; done
exec sleep 1000000
`,
};

const IMAGES: readonly Lookalike[] = [
  { tags: ['postgres:16', 'postgres:9.6'], entrypoint: ['docker-entrypoint.sh'], cmd: ['postgres'] },
  { tags: ['redis:7-alpine', 'redis:7', 'redis:3.2'], cmd: ['redis-server'] },
  { tags: ['mysql:8.0'], entrypoint: ['docker-entrypoint.sh'], cmd: ['mysqld'] },
  { tags: ['nginx:1.25-alpine'], cmd: ['nginx'] },
  { tags: ['wordpress:latest'], cmd: ['wordpress'] },
  { tags: ['example/rails-app:2.3'], cmd: ['sh'] },
  { tags: ['registry.example.com/shop/api:1.4.2'], cmd: ['shop-api'] },
  { tags: ['registry.example.com/shop/worker:1.4.2'], cmd: ['worker'] },
];

const json = (a: readonly string[]): string => JSON.stringify(a);

/** Make every look-alike on the node (once; a node that has them all is left as it is). */
export async function ensureLookalikeImages(runner: CommandRunner): Promise<void> {
  const tags = IMAGES.flatMap((i) => i.tags);
  const mk = 'flocker-lookalike-mk';
  const write = Object.entries(FILES)
    .map(([f, text]) => `printf %s ${q(text)} > ${f} && chmod 755 ${f}`)
    .join(' && ');
  const script = [
    'set -e',
    `docker image inspect ${tags.join(' ')} >/dev/null 2>&1 && exit 0`,
    `docker rm -f ${mk} >/dev/null 2>&1 || true`,
    `docker run --name ${mk} busybox:latest sh -c ${q(`mkdir -p /usr/local/bin && ${write}`)} >/dev/null`,
    ...IMAGES.flatMap((img) => {
      const SERVER = img.cmd?.[0] ?? 'sh';
      const changes = [
        `-c ${q(`ENTRYPOINT ${json(img.entrypoint ?? [])}`)}`,
        `-c ${q(`CMD ${json(img.cmd ?? [])}`)}`,
        `-c ${q(`ENV SERVER=${SERVER}`)}`,
      ].join(' ');
      const [first, ...rest] = img.tags;
      return [
        `docker commit ${changes} ${mk} ${first} >/dev/null`,
        ...rest.map((t) => `docker tag ${first} ${t}`),
      ];
    }),
    `docker rm ${mk} >/dev/null`,
  ].join('\n');
  await runChecked(runner, ['sh', '-c', script]);
}
