/**
 * Your own Vesper Worker: a Milvus REST v2 endpoint on Cloudflare. @vesper/edge's default
 * export is the fetch handler; the Durable Object classes must be exported from the Worker's
 * main module under the class names wrangler.toml binds. Add routes or middleware around
 * `vesper.fetch` if you need them.
 */
import vesper from '@vesper/edge';

export { CatalogCoordinator, ShardLeader, QueryNode, AccessControl } from '@vesper/edge';
export default vesper;
