import { describe, expect, it } from 'vitest';
import { assertPublicUrl } from '../../src/net/index.js';

const none = { allowList: [] };

describe('assertPublicUrl', () => {
  describe('when the address is not public', () => {
    it.each([
      ['http://127.0.0.1/hook', 'loopback'],
      ['http://localhost:8080/hook', 'loopback'],
      ['http://10.1.2.3/', 'private'],
      ['http://192.168.1.1/', 'private'],
      ['http://169.254.169.254/latest/meta-data/', 'linkLocal'],
      ['http://[::1]/', 'loopback'],
      ['http://[fe80::1]/', 'linkLocal'],
      ['http://[fd00::1]/', 'uniqueLocal'],
      ['http://[::ffff:127.0.0.1]/', 'loopback'],
      ['http://[::127.0.0.1]/', 'loopback'],
      ['http://[::169.254.169.254]/', 'linkLocal'],
      ['http://[::10.0.0.1]/', 'private'],
      ['http://0.0.0.0/', 'unspecified'],
      ['http://100.64.0.1/', 'carrierGradeNat'],
    ])('refuses %s (%s) with DP_URL_REFUSED', async (url, range) => {
      const refusal = assertPublicUrl(url, none);
      await expect(refusal).rejects.toMatchObject({
        code: 'DP_URL_REFUSED',
        status: 400,
      });
      await expect(refusal).rejects.toThrow(
        `${range === 'unspecified' ? 'an' : 'a'} ${range} address`,
      );
    });
  });

  it('refuses a name once DNS resolves it to a private address', async () => {
    const rebound = assertPublicUrl('https://hooks.example.test/x', {
      allowList: [],
      resolve: () => Promise.resolve(['93.184.216.34', '10.0.0.8']),
    });
    await expect(rebound).rejects.toThrow(
      'hooks.example.test resolves to 10.0.0.8, a private address',
    );
  });

  it('refuses a name that does not resolve', async () => {
    await expect(
      assertPublicUrl('https://no-such-host.invalid/', none),
    ).rejects.toThrow('cannot resolve no-such-host.invalid');
  });

  it.each([
    ['file:///etc/passwd', /only http and https/],
    ['gopher://example.com/', /only http and https/],
    ['https://user:pw@example.com/', /must not carry credentials/],
    ['not a url', /not valid/],
  ])('refuses %s', async (url, message) => {
    await expect(assertPublicUrl(url, none)).rejects.toThrow(message);
  });

  it('lets a public address through, with the addresses to connect to', async () => {
    const checked = await assertPublicUrl('https://93.184.216.34/hook', none);
    expect(checked.addresses).toEqual(['93.184.216.34']);
    expect(checked.url.pathname).toBe('/hook');
  });

  describe("with an operator's allow-list", () => {
    it('lets a named host through', async () => {
      const checked = await assertPublicUrl('http://localhost:9000/', {
        allowList: ['LOCALHOST'],
      });
      expect(checked.url.hostname).toBe('localhost');
    });

    it('lets a listed range through, and nothing beside it', async () => {
      const policy = { allowList: ['10.20.0.0/16', '::1'] };
      const inside = await assertPublicUrl('http://10.20.3.4/', policy);
      expect(inside.addresses).toEqual(['10.20.3.4']);
      expect(
        (await assertPublicUrl('http://[::1]/', policy)).addresses,
      ).toEqual(['::1']);
      await expect(
        assertPublicUrl('http://10.21.0.1/', policy),
      ).rejects.toThrow('a private address');
    });
  });
});
