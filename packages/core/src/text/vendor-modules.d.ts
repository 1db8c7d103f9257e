// snowball-stemmers and stopword ship no types; language-data.ts narrows what it uses.
declare module 'snowball-stemmers';
declare module 'stopword';
